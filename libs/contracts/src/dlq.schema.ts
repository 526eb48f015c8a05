import * as z from 'zod';

/** Headers set on every message parked in `dlq.<service>`; the body is the original payload, byte for byte. */
export const DlqHeaders = {
  reason: 'Vigil-Dlq-Reason',
  originalSubject: 'Vigil-Dlq-Subject',
  service: 'Vigil-Dlq-Service',
  stream: 'Vigil-Dlq-Stream',
  streamSeq: 'Vigil-Dlq-Stream-Seq',
  parkedAt: 'Vigil-Dlq-Parked-At',
} as const;

export const DlqReason = z.enum(['invalid_payload', 'unknown_type', 'identity_mismatch', 'processing_failed']);
export type DlqReason = z.infer<typeof DlqReason>;
