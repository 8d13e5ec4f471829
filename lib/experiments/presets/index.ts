// Every preset, in SPEC section 6 order. Add one import and one entry per preset.
import type { Preset } from './types.js';
import { headline, dynamics, escapeVsMu } from './headline.js';
import { hermite } from './hermite.js';
import { squaredTeacher } from './squared_teacher.js';
import { mixtures } from './mixtures.js';
import { misaligned } from './misaligned.js';
import { twoLayer } from './two_layer.js';
import { scaling } from './scaling.js';
import { curriculum } from './curriculum.js';
import { vitPreset } from './vit.js';
import { whenItHurts } from './when_it_hurts.js';
import { practice } from './practice.js';

/** Every preset, in the order `loradyn reproduce --list` shows them. */
export const presets: Preset[] = [
  headline,
  dynamics,
  escapeVsMu,
  hermite,
  squaredTeacher,
  mixtures,
  curriculum,
  misaligned,
  twoLayer,
  scaling,
  vitPreset,
  whenItHurts,
  practice,
];
