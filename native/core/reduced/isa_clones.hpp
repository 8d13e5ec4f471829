// LD_CLONES: one clone of a function per x86-64 level (AVX-512, AVX2, baseline), picked by the
// loader (GNU ifunc); elsewhere the one baseline function. The reduced chain's batch kernels use
// only IEEE +, -, *, / and sqrt (the builds pass -ffp-contract=off), so every clone returns the
// same bits. LORADYN_NO_TARGET_CLONES turns the clones off (sanitizer builds: ifunc resolvers
// run too early).
#pragma once

#if defined(__GNUC__) && defined(__linux__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(LORADYN_NO_TARGET_CLONES)
#define LD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LD_CLONES
#endif
