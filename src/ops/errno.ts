const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device',
  EAGAIN: 'not ready to be read (non-blocking input)',
  EINVAL: 'cannot be read as a file',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EEXIST: 'already exists',
};

/** An error from node:fs in words ("no such file or directory"), its errno code kept in brackets. */
export function errnoWords(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && WORDS[err.code]) return `${WORDS[err.code]} (${err.code})`;
  return (err?.message ?? String(e)).replace(/^[A-Z]+: /, '');
}

/** An errno code in words, as errnoWords says it. */
export function errnoCodeWords(errno: string): string {
  return WORDS[errno] ? `${WORDS[errno]} (${errno})` : errno;
}
