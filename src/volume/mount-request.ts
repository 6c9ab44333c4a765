// What -v, --mount and --volumes-from ask for, before anything exists: plain data, parsed and validated
// by volume-flag.ts and mount-flag.ts, turned into spec mounts by attach.ts.
export type Propagation = "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave";
export const PROPAGATIONS: readonly Propagation[] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

export interface BindRequest {
  type: "bind";
  source: string;
  destination: string;
  readonly: boolean;
  propagation?: Propagation;
  /** -v creates a missing host directory (Docker's legacy rule); --mount refuses it. */
  createSource: boolean;
  /** The mode string as given after the second colon (inspect's Mode). */
  mode: string;
}

export interface VolumeRequest {
  type: "volume";
  /** Undefined: a new anonymous volume. */
  name?: string;
  destination: string;
  readonly: boolean;
  nocopy: boolean;
  /** For a volume created by this mount (--mount volume-opt=, volume-label=). */
  driverOptions: Record<string, string>;
  labels: Record<string, string>;
  mode: string;
}

export interface TmpfsRequest {
  type: "tmpfs";
  destination: string;
  readonly: boolean;
  sizeBytes?: number;
  mode?: number;
}

export type MountRequest = BindRequest | VolumeRequest | TmpfsRequest;
