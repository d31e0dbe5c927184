/** The console's resolved settings (agent/runtime/resolve.ts makes them from the `console` section). */
export interface ConsoleSettings {
  enabled: boolean;
  /** `shared`: on the health server, whose host is given; otherwise its own server. */
  listen: { shared: true; host: string } | { shared: false; host: string; port: number };
  frameIntervalMs: number;
  maxViewers: number;
  recentWarnings: number;
  /** `<dataDir>/console-token`. */
  tokenFile: string;
}
