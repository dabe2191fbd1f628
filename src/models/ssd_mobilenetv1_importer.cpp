// Placeholder so the binary links; the real importer replaces it shortly.
#include "core/errors.h"
#include "models/importers.h"

namespace tw::models {

void import_ssd_mobilenetv1(const std::filesystem::path& from_dir,
                            const std::filesystem::path& /*out*/) {
  throw InputError(from_dir.string(), "importer not implemented yet");
}

}  // namespace tw::models
