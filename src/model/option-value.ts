/** QEMU option values double their commas (`-drive file=a,,b`): a path never becomes another option. Pure. */
export function optValue(v: string): string {
  return v.replace(/,/g, ',,');
}
