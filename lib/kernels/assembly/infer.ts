// placeholder replaced below
export function nothing(): void {}
