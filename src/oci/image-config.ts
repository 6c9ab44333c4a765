// The OCI image configuration (image-spec config.md), as stored in the config blob. Docker writes the
// same document with a few extra fields, which are kept as-is.
export interface OciImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  [extra: string]: unknown;
}

export interface OciHistory {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
  config?: OciImageRuntimeConfig;
  rootfs: { type: "layers" | string; diff_ids: string[] };
  history?: OciHistory[];
  [extra: string]: unknown;
}

/** The OCI/Go name of the machine's architecture, as images declare it. */
export function hostArchitecture(): string {
  const arch = process.arch as string;
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}
