/**
 * EDSR trained with PCL at x4, the paper's recipe (`paperRecipe`, src/dsl/paper-recipe.ts).
 * Default export: EDSR baseline, 16 residual blocks x 64 channels.
 * `#large`: EDSR large, 32 blocks x 256 channels, residual scale 0.1.
 * Usage: `pcl-stream train graphs/edsr.pcl.ts` or `graphs/edsr.pcl.ts#large`.
 */
import { edsr, paperRecipe } from "../src/dsl/index.js";

export default paperRecipe("edsr-baseline", edsr({ blocks: 16, channels: 64, scale: 4 }));

export const large = paperRecipe("edsr-large", edsr({ blocks: 32, channels: 256, scale: 4, resScale: 0.1 }));
