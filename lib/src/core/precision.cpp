// Number formats of a run's products (core/precision.h): names, and what this CPU has.
#include "tinygpt/core/precision.h"

#include <cpuid.h>

#include "tinygpt/core/check.h"

namespace tinygpt {

Precision parse_precision(std::string_view name) {
  if (name == "float32") return Precision::kFloat32;
  if (name == "bf16") return Precision::kBfloat16;
  throw Error("--precision must be float32 or bf16, got '" + std::string(name) + "'");
}

const char* precision_name(Precision precision) {
  return precision == Precision::kBfloat16 ? "bf16" : "float32";
}

bool cpu_has_bf16_instructions() {
  // CPUID leaf 7 (Intel's Software Developer's Manual, volume 2A, "CPUID"): sub-leaf 1's EAX
  // bit 5 is AVX512_BF16; sub-leaf 0's EDX bit 22 is AMX-BF16.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 && (eax & (1u << 5)) != 0) return true;
  return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0 && (edx & (1u << 22)) != 0;
}

std::string precision_note(Precision precision) {
  if (precision == Precision::kFloat32) return "";
  const char* cpu = cpu_has_bf16_instructions()
                        ? "this CPU has bfloat16 matrix instructions, which tinygpt does not use"
                        : "this CPU has no bfloat16 matrix instructions (AVX512_BF16, AMX-BF16)";
  return std::string("bf16: ") + cpu +
         "; the products multiply their bf16-rounded operands in float32: bf16's numbers, no "
         "faster than float32 (the rounding costs a little time)";
}

}  // namespace tinygpt
