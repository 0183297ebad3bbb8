SELECT seq FROM revocation_sequence WHERE id = 1
