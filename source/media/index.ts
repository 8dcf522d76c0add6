// The embedded media engine: G.711 RTP legs with symmetric RTP, SDP
// offer/answer, one shared 20 ms clock, players, bridges and stereo
// recordings. Start at MediaEngine; EmbeddedMedia fits it to the switchboard.
export { MediaEngine, MediaEngineError, type MediaEngineOptions } from './engine.js';
export { EmbeddedMedia } from './switchboard-media.js';
export { RtpEndpoint, PayloadKind, SAMPLES_PER_FRAME, type EndpointStats, type DtmfEvent, type OutputOwner } from './endpoint.js';
export { Player, type PlayOptions, type PlaybackEnd } from './player.js';
export { Bridge, type BridgeOptions } from './bridge.js';
export { CallRecorder, type AudioSource, type Recording } from './recorder.js';
export { FrameClock, framesDue, realClock, type ClockSource, type FrameTask } from './frame-clock.js';
export { Sound, loadSound, defaultSoundsDirectory, SOUND_NAMES, type SoundName } from './sound.js';
export { LevelMeter, measureLevel, toneLevel, zeroCrossingFrequency, dbfs, SILENCE_DBFS, type Level } from './level.js';
export * from './g711.js';
export * from './rtp.js';
export * from './sdp.js';
export { parseWav, readWavFile, encodeWav, wavHeader, channel, WavFileWriter, WavError, type Wav, type WavFormat } from './wav.js';
