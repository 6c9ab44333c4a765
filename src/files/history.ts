// `image history`: one row per history entry of the image config, newest first; entries that made a
// layer take the next diff_id from the bottom (an `empty_layer` entry takes none), as Docker pairs them.
import type { ImageRecord, ImageStore } from "../image/store.ts";
import type { OciHistory } from "../oci/image-config.ts";

export interface HistoryRow {
  /** The image's id on the top row, "<missing>" below (Docker has no ids for intermediate layers it did not build). */
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

export function imageHistory(store: ImageStore, image: ImageRecord): HistoryRow[] {
  const diffIds = image.config.rootfs.diff_ids;
  const history: OciHistory[] = image.config.history?.length ? image.config.history : diffIds.map(() => ({}));
  let layer = 0;
  const rows: HistoryRow[] = history.map((h) => {
    const diffId = h.empty_layer === true ? undefined : diffIds[layer++];
    return {
      id: "<missing>",
      created: h.created,
      createdBy: h.created_by ?? "",
      size: diffId === undefined ? 0 : store.layerMeta(diffId)?.size ?? 0,
      comment: h.comment ?? "",
    };
  });
  rows.reverse();
  if (rows[0]) rows[0].id = image.id;
  return rows;
}
