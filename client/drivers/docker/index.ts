export { DockerDriver } from "./driver.js";
export { defaultDockerOptions, type DockerOptions } from "./options.js";
export { LABELS } from "./config.js";
