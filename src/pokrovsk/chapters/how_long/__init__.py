"""Chapter 3, "How long has it taken?": the battle's length under every start and end in the data, next to other city battles; its timeline; the shrinking distance; and why it lasted so long."""
