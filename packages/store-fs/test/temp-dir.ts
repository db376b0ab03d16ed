export { useTempDir } from "../../../test-utils/temp-dir.js";

export const RUN = "0190c2a4-7a1b-7c3d-8e4f-000000000001";
export const OTHER_RUN = "0190c2a4-7a1b-7c3d-8e4f-000000000002";
