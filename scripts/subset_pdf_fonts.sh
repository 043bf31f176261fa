#!/usr/bin/env bash
# Rebuild the European subsets of DejaVu Sans that invoice PDFs embed by default.
#
# Parsing and subsetting the full fonts (6,000 glyphs each) took most of the time of a
# render; the subsets keep Latin, Greek and Cyrillic with punctuation and currency signs.
# invoice_pdf falls back to the full fonts when a document holds any other character.
# The DejaVu licence (LICENSE-DejaVu.txt) allows modified copies whose names contain
# neither "Bitstream" nor "Vera".
set -euo pipefail
cd "$(dirname "$0")/../nomos_portal/assets_pdf"
source ../../scripts/env.sh

ranges="U+0020-007E,U+00A0-024F,U+0259,U+02BB-02BC,U+02C6-02DD,U+0300-036F,U+0370-03FF,U+0400-052F"
ranges+=",U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-21FF,U+2212,U+2264-2265,U+FB00-FB06,U+FFFD"
for font in DejaVuSans DejaVuSans-Bold; do
    pyftsubset "$font.ttf" --unicodes="$ranges" --output-file="$font-Europe.ttf" \
        --layout-features='' --no-hinting --glyph-names --drop-tables+=FFTM,GDEF,GPOS,GSUB,kern
done
