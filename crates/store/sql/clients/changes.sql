SELECT seq FROM change_sequence WHERE name = 'clients'
