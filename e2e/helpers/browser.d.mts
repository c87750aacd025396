export declare const BROWSER_ENV: "OWLBANK_CHROMIUM";
export declare const CHROMIUM_ARGS: string[];
export declare function playwrightChromium(): string | undefined;
export declare function systemChromium(): string | undefined;
export declare function findChromium(): { path: string; source: "env" | "playwright" | "system" } | undefined;
