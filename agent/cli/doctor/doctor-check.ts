/** The shape of one `edge-agent doctor` finding. */

/** ok: fine; warn: worth knowing, not fatal; problem: the agent will fail or misbehave (non-zero exit). */
export type CheckStatus = 'ok' | 'warn' | 'problem';

/** One finding, with the fix when it is not ok. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}
