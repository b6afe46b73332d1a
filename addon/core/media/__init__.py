"""Media as data: requests and results (`types`), byte checks that tell real media from an error
page (`checks`), audio conversion (`audio_convert`), how pictures are stored (`image_output`) and
media file names (`naming`)."""
