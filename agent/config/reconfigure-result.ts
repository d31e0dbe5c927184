/**
 * The report of a live reconfiguration, shared by the runtime that applies a configuration and the
 * followers that deliver one (Greengrass IPC), so neither imports the other.
 */

/** What a live reconfiguration changed, and what waits for a restart. */
export interface ReconfigureResult {
  camerasUpdated: string[];
  camerasRestarted: string[];
  camerasAdded: string[];
  camerasRemoved: string[];
  modelsLoaded: string[];
  modelsUnloaded: string[];
  /** Keys whose new value only applies after a restart (outbox path, transport, ...). */
  needsRestart: string[];
}
