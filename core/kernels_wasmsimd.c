/* kernels_wasmsimd.c - WebAssembly SIMD128 kernels (built with -msimd128 under Emscripten). */
#include "kernels.h"

const unr_kernels *unr_kernels_wasmsimd(void) { return 0; }
