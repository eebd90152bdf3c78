#pragma once
// SHA-256 (OpenSSL) as lowercase hex: dbt's file checksums and content-derived ids.
#include <string>
#include <string_view>

namespace dbtpy {
std::string sha256_hex(std::string_view data);
}  // namespace dbtpy
