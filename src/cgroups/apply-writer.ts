// apply() writes many optional files. A limit whose file the kernel does not provide (swap accounting
// off, no blkio weight without BFQ, controller not mounted) is skipped and reported, as Docker warns and
// goes on; any other write error is a real failure and throws.
import { hasFile, writeCgroupFile } from "./file.ts";
import type { ApplyReport, Limits } from "./types.ts";

export class ApplyWriter {
  readonly report: ApplyReport = { ignored: [], warnings: [] };

  /** Writes when `dir` exists and has the file; otherwise records `key` as ignored with `warning`. */
  write(dir: string | undefined, file: string, value: string | number, key: keyof Limits, warning: string): boolean {
    if (dir === undefined || !hasFile(dir, file)) {
      this.ignore(key, warning);
      return false;
    }
    writeCgroupFile(dir, file, value);
    return true;
  }

  ignore(key: keyof Limits, warning: string): void {
    if (!this.report.ignored.includes(key)) this.report.ignored.push(key);
    if (!this.report.warnings.includes(warning)) this.report.warnings.push(warning);
  }
}
