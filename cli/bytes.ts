// Sizes the way Nomad prints them (go-humanize's IBytes): "256 MiB", "7.7 GiB", "0 B".

const SUFFIXES = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
export const BYTES_PER_MB = 1024 * 1024;

export function iBytes(bytes: number): string {
  if (bytes < 10) return `${Math.max(0, Math.round(bytes))} B`;
  const exponent = Math.min(SUFFIXES.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  const value = Math.floor((bytes / 1024 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${SUFFIXES[exponent]}`;
}

/** A size in (binary) megabytes, as the model keeps them. */
export function megabytes(mb: number): string {
  return iBytes(mb * BYTES_PER_MB);
}
