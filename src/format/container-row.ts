// What `ps --format` sees: docker/cli's ContainerContext, field for field (methods evaluated on demand, so
// a template that does not name .Mounts never reads the container's spec).
import { goStruct } from "./template/index.ts";
import { goTimeString } from "./go-time.ts";

export const PS_FORMAT = {
  defaultTable: "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
  headers: {
    ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED", Ports: "PORTS",
    State: "STATE", Status: "STATUS", Size: "SIZE", Names: "NAMES", Labels: "LABELS", Label: "LABEL", Mounts: "MOUNTS",
    Networks: "NETWORKS", LocalVolumes: "LOCAL VOLUMES",
  },
};

export interface ContainerFacts {
  id: string;
  name: string;
  imageName: string;
  command: string[];
  created: string;
  runningFor: string;
  state: string;
  status: string;
  ports?: string;
  /** Docker's "RW (virtual TOTAL)", computed only when a template asks. */
  size?: () => string;
  labels?: Record<string, string>;
  /** Volume names or bind sources, read only when a template asks. */
  mounts?: () => string[];
  networks?: string[];
}

/** docker/cli's Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}

/** Go's strconv.Quote, as Docker quotes .Command. */
export function goQuoted(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function containerRow(c: ContainerFacts, trunc: boolean): object {
  const labels = c.labels ?? {};
  const command = c.command.join(" ");
  return goStruct("*formatter.ContainerContext", {
    ID: trunc ? c.id.slice(0, 12) : c.id,
    Names: c.name,
    Image: c.imageName,
    Command: goQuoted(trunc ? ellipsis(command, 20) : command),
    CreatedAt: goTimeString(c.created),
    RunningFor: c.runningFor,
    Ports: c.ports ?? "",
    State: c.state,
    Status: c.status,
    Size: Object.assign(() => c.size?.() ?? "", { arity: 0 }),
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(","),
    Label: Object.assign((name: unknown) => labels[String(name)] ?? "", { arity: 1 }),
    Mounts: Object.assign(() => (c.mounts?.() ?? []).map((m) => (trunc ? ellipsis(m, 15) : m)).join(","), { arity: 0 }),
    Networks: (c.networks ?? []).join(","),
    LocalVolumes: Object.assign(() => String((c.mounts?.() ?? []).length), { arity: 0 }),
  });
}
