import { skippedResult, type Workload, type WorkloadResult } from '../harness.js';

export const EXPORT_SKIP_REASON = 'needs PostgresToS3Operator (providers issue)';

/** Postgres → S3 export of 1M rows against `psql \copy`: waits for the operator it measures. */
export const exportWorkload: Workload = {
  name: 'export',
  title: 'Postgres → S3 export, 1M rows, against psql \\copy',
  run: async (): Promise<WorkloadResult> => skippedResult('export', 'Postgres → S3 export, 1M rows, against psql \\copy', EXPORT_SKIP_REASON),
};
