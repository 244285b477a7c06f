"""Themes of free-text answers: segmentation into points, embeddings, clustering into discovered
themes, coding against a codebook, and the command line of this stage."""
