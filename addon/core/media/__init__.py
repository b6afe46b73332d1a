"""Media as data: requests and results (`types`), byte checks that tell real media from an error
page (`checks`), audio conversion (`audio_convert`) and media file names (`naming`)."""
