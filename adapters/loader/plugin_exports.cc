#include "adapters/loader/plugin_exports.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace alertgate {
namespace {

// A view of the file with bounds-checked reads: a malformed file is an
// error, never a read past the end.
class FileBytes {
 public:
  explicit FileBytes(std::string bytes) : bytes_(std::move(bytes)) {}

  template <typename T>
  bool Read(uint64_t offset, T* out) const {
    if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T))
      return false;
    std::memcpy(out, bytes_.data() + offset, sizeof(T));
    return true;
  }

  // The NUL-terminated string at `offset` within [begin, begin + size).
  bool String(uint64_t begin, uint64_t size, uint64_t offset,
              std::string* out) const {
    if (begin > bytes_.size() || size > bytes_.size() - begin ||
        offset >= size) {
      return false;
    }
    const char* start = bytes_.data() + begin + offset;
    const void* end = std::memchr(start, '\0', size - offset);
    if (end == nullptr) return false;
    out->assign(start, static_cast<const char*>(end));
    return true;
  }

 private:
  std::string bytes_;
};

absl::Status Malformed(const std::string& file, const char* what) {
  return absl::InvalidArgumentError(
      absl::StrCat(file, ": not a 64-bit ELF shared object (", what, ")"));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadExportedSymbols(
    const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", file));
  const FileBytes bytes(std::string(std::istreambuf_iterator<char>(in), {}));

  Elf64_Ehdr header;
  if (!bytes.Read(0, &header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return Malformed(file, "no ELF header");
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return Malformed(file, "not 64-bit little-endian");
  }
  if (header.e_shentsize != sizeof(Elf64_Shdr)) {
    return Malformed(file, "unexpected section header size");
  }
  std::vector<std::string> names;
  for (uint16_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section;
    if (!bytes.Read(header.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr),
                    &section)) {
      return Malformed(file, "section header out of bounds");
    }
    if (section.sh_type != SHT_DYNSYM) continue;
    Elf64_Shdr strings;
    if (!bytes.Read(
            header.e_shoff + uint64_t{section.sh_link} * sizeof(Elf64_Shdr),
            &strings)) {
      return Malformed(file, "string table out of bounds");
    }
    const uint64_t count = section.sh_size / sizeof(Elf64_Sym);
    for (uint64_t s = 1; s < count; ++s) {  // Symbol 0 is the null symbol.
      Elf64_Sym symbol;
      if (!bytes.Read(section.sh_offset + s * sizeof(Elf64_Sym), &symbol)) {
        return Malformed(file, "symbol out of bounds");
      }
      const unsigned binding = ELF64_ST_BIND(symbol.st_info);
      const unsigned visibility = ELF64_ST_VISIBILITY(symbol.st_other);
      const bool exported_binding = binding == STB_GLOBAL ||
                                    binding == STB_WEAK ||
                                    binding == STB_GNU_UNIQUE;
      const bool visible =
          visibility == STV_DEFAULT || visibility == STV_PROTECTED;
      if (symbol.st_shndx == SHN_UNDEF || !exported_binding || !visible ||
          symbol.st_name == 0) {
        continue;
      }
      std::string name;
      if (!bytes.String(strings.sh_offset, strings.sh_size, symbol.st_name,
                        &name)) {
        return Malformed(file, "symbol name out of bounds");
      }
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace alertgate
