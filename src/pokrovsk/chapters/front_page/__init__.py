"""The front page: the bottom line, the key facts and the hero map, as of the edition's date."""
