# Treebank lists shared by scripts/train-parser-head and scripts/eval-parser-head.
# Source it after setting $syntax (the shared data/syntax folder).
#   training:    GUM's train documents, UD English EWT dev, UD French GSD dev, Sequoia train;
#   development: GUM's dev documents and Sequoia dev (they choose the epoch);
#   held out:    GUM's test documents, EWT test, GSD test, Sequoia test (never trained on).
# GUM's split of each document is read from its splits.md.

# GUM documents of one split ("train", "dev", "test") as paths, one per line.
gum_split() {
    awk -v wanted="$1" '/^## / { in_split = ($2 == wanted) } in_split && /^  \* / { print $2 }' \
        "$syntax/gum/splits.md" |
        while read -r doc; do
            if [ -f "$syntax/gum/dep/$doc.conllu" ]; then echo "$syntax/gum/dep/$doc.conllu"; fi
        done
}

mapfile -t parser_training < <(
    gum_split train
    printf '%s\n' "$syntax/ud_english_ewt/en_ewt-ud-dev.conllu" \
        "$syntax/ud_french_gsd/fr_gsd-ud-dev.conllu" "$syntax/ud_french_sequoia/fr_sequoia-ud-train.conllu"
)
mapfile -t parser_development < <(
    gum_split dev
    printf '%s\n' "$syntax/ud_french_sequoia/fr_sequoia-ud-dev.conllu"
)
mapfile -t parser_held_out < <(
    gum_split test
    printf '%s\n' "$syntax/ud_english_ewt/en_ewt-ud-test.conllu" \
        "$syntax/ud_french_gsd/fr_gsd-ud-test.conllu" "$syntax/ud_french_sequoia/fr_sequoia-ud-test.conllu"
)
