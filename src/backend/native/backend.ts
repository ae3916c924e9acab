/** The `native` backend: tfjs-backend-cpu's storage and kernels, with hot kernels replaced by the addon. */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

export class NativeBackend extends MathBackendCPU {}
