// Optional packages: the ViT data sets (mnist, fashion-mnist) and the queue's Redis client (bullmq,
// ioredis) are not installed with loradyn by default, so a library user who only simulates does not
// download them. This names what is missing and how to install it.

/** Which optional packages each feature needs, with the versions loradyn is tested with. */
export const OPTIONAL_PACKAGES = {
  queue: { bullmq: '^6.7.0', ioredis: '^6.0.0' },
  vit: { mnist: '^1.1.0', 'fashion-mnist': '^1.1.0' },
} as const;

/** A feature's optional package is not installed. */
export class MissingPackageError extends Error {
  constructor(
    readonly feature: keyof typeof OPTIONAL_PACKAGES,
    readonly missing: string,
  ) {
    const pkgs = Object.entries(OPTIONAL_PACKAGES[feature]).map(([n, v]) => `${n}@${v}`);
    super(
      `${feature === 'queue' ? 'the queue (sweep --queue, worker)' : 'the ViT experiment'} needs the optional package ${missing}, which is not installed: npm install ${pkgs.join(' ')}`,
    );
    this.name = 'MissingPackageError';
  }
}

/** Imports a module of a feature, turning "package not found" into a MissingPackageError. */
export async function importOptional<T>(feature: keyof typeof OPTIONAL_PACKAGES, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
      const missing = Object.keys(OPTIONAL_PACKAGES[feature]).find((p) => err.message.includes(`'${p}'`));
      if (missing) throw new MissingPackageError(feature, missing);
    }
    throw e;
  }
}
