// What `images --format` sees: docker/cli's ImageContext fields.
import { goStruct } from "./template/index.ts";
import { goTimeString } from "./go-time.ts";

export const IMAGES_FORMAT = {
  defaultTable: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
  headers: {
    ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST", CreatedSince: "CREATED", CreatedAt: "CREATED AT",
    Size: "SIZE", Containers: "CONTAINERS", VirtualSize: "VIRTUAL SIZE", SharedSize: "SHARED SIZE", UniqueSize: "UNIQUE SIZE",
  },
};

export interface ImageFacts { id: string; repository: string; tag: string; digest: string; created: string; createdSince: string; size: string }

export function imageRow(i: ImageFacts): object {
  return goStruct("*formatter.ImageContext", {
    ID: i.id, Repository: i.repository, Tag: i.tag, Digest: i.digest, CreatedSince: i.createdSince,
    CreatedAt: goTimeString(i.created), Size: i.size, Containers: "N/A", VirtualSize: i.size, SharedSize: "N/A", UniqueSize: "N/A",
  });
}
