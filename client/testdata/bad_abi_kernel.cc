// Exports the ABI's symbols but claims ABI version 3, for
// loaded_artifact_test.cc.
extern "C" {

__attribute__((visibility("default"))) int aotd_abi_version(void) { return 3; }

__attribute__((visibility("default"))) int aotd_forward(void* const*,
                                                        void* const*) {
  return 0;
}

__attribute__((visibility("default"))) int aotd_backward(void* const*,
                                                         void* const*) {
  return 0;
}

}  // extern "C"
