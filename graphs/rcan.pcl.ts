/**
 * RCAN trained with PCL at x4, the paper's recipe (graphs/paper-recipe.ts):
 * 10 residual groups x 20 residual channel-attention blocks, 64 channels, attention reduction 16.
 */
import { rcan } from "../src/dsl/index.js";
import { paperRecipe } from "./paper-recipe.js";

export default paperRecipe("rcan", rcan({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 }));
