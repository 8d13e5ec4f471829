// The vision transformer's part of the one typed binding module (lib/native.ts: addon.vit).
import { loadNative, type NativeVit } from '../native.js';

export type {
  NativeVitConfig,
  NativeLora,
  NativeVitLayout,
  NativeGradCheck,
  NativeVitData,
  NativeVitTrainSpec,
  NativeVitTrainResult,
  NativeVit,
} from '../native.js';

/** The addon's ViT functions (loads the addon on first use). */
export function vitNative(): NativeVit {
  return loadNative().vit;
}
