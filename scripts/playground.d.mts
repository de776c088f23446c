import type { Server } from 'node:http';
/** Builds the playground into `out` (default site/); resolves to the folder. */
export declare function buildSite(out?: string): Promise<string>;
/** Serves `dir` with COOP/COEP on 127.0.0.1:`port` (0: any free port). */
export declare function serveSite(dir?: string, port?: number): Promise<{ server: Server; url: string }>;
