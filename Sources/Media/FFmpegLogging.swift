internal import CFFmpeg

/// FFmpeg's own logging, which goes to stderr: the bridge keeps only errors (libopus, for one, reports frames
/// left in an encoder's queue at every close, which is normal at the end of a call).
public enum FFmpegLogging {
    public static func errorsOnly() {
        av_log_set_level(AV_LOG_ERROR)
    }
}
