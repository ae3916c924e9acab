/**
 * pcl-stream/backend: choosing the compute backend and installing pcl-stream's gradients, by a call.
 * Importing this registers nothing: useBackend loads the backend modules (tfjs-backend-cpu included).
 *
 * @module pcl-stream/backend
 */
export {
  useBackend, currentBackend, probeBackends, BACKEND_NAMES, BackendError,
  type BackendChoice, type BackendName, type BackendProbe, type UseBackendOptions,
} from "./select.js";
export { GradientError } from "./gradients.js";
