export function nextStart(port: number | string): { command: string; args: string[] };
