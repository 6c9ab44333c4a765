// Resource limits and accounting with cgroups v1 and v2. See manager.ts for the entry point.
export { openCgroupManager } from "./manager.ts";
export type { ManagerOptions } from "./options.ts";
export type { Cgroup, CgroupManager, Limits, Stats, ApplyReport, DeviceReport } from "./types.ts";
export { DEFAULT_PARENT } from "./types.ts";
export { CgroupError } from "./errors.ts";
export { DEFAULT_DEVICE_RULES, type DeviceRule } from "./devices.ts";
export { limitsFromFlags, parseBytes, parseCpus, parseMemorySwap, parseUlimit, parseUlimits, type ResourceFlags } from "./units.ts";
