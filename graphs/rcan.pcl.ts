/**
 * RCAN trained with PCL at x4, the paper's recipe (`paperRecipe`, src/dsl/paper-recipe.ts):
 * 10 residual groups x 20 residual channel-attention blocks, 64 channels, attention reduction 16.
 */
import { rcan, paperRecipe } from "../src/dsl/index.js";

export default paperRecipe("rcan", rcan({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 }));
