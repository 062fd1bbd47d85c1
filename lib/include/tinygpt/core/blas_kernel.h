/// @file blas_kernel.h
/// @brief Makes sure OpenBLAS multiplies with the kernel this CPU deserves.
///
/// OpenBLAS chooses its matrix kernel for the CPU when it is loaded, from the CPU's model
/// number. Debian 12's OpenBLAS (0.3.21) does not know some newer CPUs (a virtual machine's
/// "Intel Xeon Processor" with AVX-512, for one) and falls back to its oldest kernel,
/// Prescott's (SSE3): on such a machine a fine-tuning step ran 3.7x slower with it than with
/// the AVX-512 (SkylakeX) kernel. The choice can only be made before OpenBLAS loads, through
/// the environment variable OPENBLAS_CORETYPE, so a program calls this first thing in main().
#pragma once

namespace tinygpt {

/// @brief When the library multiplies on OpenBLAS, OpenBLAS fell back to its Prescott
/// kernel and the CPU has AVX-512 (or AVX2), sets OPENBLAS_CORETYPE to SkylakeX (or
/// Haswell) and runs the program again with the same arguments (execv of
/// /proc/self/exe). Otherwise, or when OPENBLAS_CORETYPE is already set (the user's
/// choice, or the second run), it returns at once.
/// @param argv main()'s argv.
void use_fast_blas_kernel(char** argv);

/// @return the name of the kernel OpenBLAS uses ("SkylakeX", "Haswell", "Prescott", ...),
/// or "none" when the library multiplies with Eigen's own kernel.
const char* blas_kernel_name();

}  // namespace tinygpt
