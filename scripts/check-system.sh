#!/usr/bin/env bash
# Fails with a clear message when a system package the portal needs is missing.
set -u
missing=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=("libpango-1.0-0")
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=("libpangoft2-1.0-0")
if [ ${#missing[@]} -gt 0 ]; then
    echo "Missing system packages (Debian): ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    echo "WeasyPrint needs Pango to draw the PDF." >&2
    exit 1
fi
