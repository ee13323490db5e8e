// Detects STB_GNU_UNIQUE symbols in a shared object. glibc never unloads an
// object that defines one (LWS-NOTES T20), so such a plugin cannot be reloaded.
#pragma once

#include <string>

namespace wshost
{

// True when the ELF file at `path` defines at least one STB_GNU_UNIQUE symbol
// in its dynamic symbol table. False for unreadable or non-ELF64 files.
bool has_gnu_unique_symbols(const std::string &path);

} // namespace wshost
