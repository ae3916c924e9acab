/**
 * HAN trained with PCL at x4, the paper's recipe (`paperRecipe`, src/dsl/paper-recipe.ts): RCAN's body
 * (10 groups x 20 RCABs, 64 channels) with layer attention over the 11 body outputs and
 * channel-spatial attention on the last.
 */
import { han, paperRecipe } from "../src/dsl/index.js";

export default paperRecipe("han", han({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 }));
