// The mock driver (simulated clients, benchmarks) against the same compliance suite as the real
// drivers, minus what a simulation does not do: environments, signals, output after the start.

import test from "ava";
import { MockDriver } from "../../../client/drivers/mock/index.js";
import { driverCompliance } from "./compliance.js";

driverCompliance(test, () => new MockDriver(), {
  taskConfig: (b) => ({
    ...(b.runForMs === "forever" ? {} : { run_for: `${b.runForMs ?? 0}ms` }), exit_code: b.exitCode ?? 0,
    ...(b.stdout !== undefined ? { stdout_string: `${b.stdout}\n` } : {}), ...(b.stderr !== undefined ? { stderr_string: `${b.stderr}\n` } : {}),
  }),
  unsupported: ["env", "ignoreSigterm", "signals", "lateOutput"],
});
