// Placeholder: engine/context.{h,cpp} are being written.
