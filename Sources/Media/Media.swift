// Media processing over FFmpeg: audio mixing (and later video composition).
