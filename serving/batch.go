package serving

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/neuron-go/neuron/models"
)

// batcher merges concurrent requests for one model version into one
// Predictor call (TF Serving's and Triton's dynamic batching): the first
// request waits at most delay for others, until maxRows examples are
// gathered; the merged batch runs while the next one gathers.
type batcher struct {
	p       *models.Predictor
	maxRows int
	delay   time.Duration
	observe func(rows int) // the batch size histogram

	mu     sync.Mutex // guards closed and sends on queue
	closed bool
	queue  chan *job
	slots  chan struct{} // bounds the batches running at once
	done   chan struct{} // closed when the loop has ended
}

// job is one request's share of a batch.
type job struct {
	ctx  context.Context
	rows int
	in   [][]float32
	out  [][]float32
	err  chan error
}

func newBatcher(p *models.Predictor, maxRows int, delay time.Duration, observe func(int)) *batcher {
	b := &batcher{
		p: p, maxRows: maxRows, delay: delay, observe: observe,
		queue: make(chan *job, 4*maxRows),
		slots: make(chan struct{}, runtime.GOMAXPROCS(0)),
		done:  make(chan struct{}),
	}
	go b.loop()
	return b
}

// predict runs a request through the batcher, or directly through the
// Predictor once the batcher is stopped (a version being unloaded still
// answers the requests that reached it).
func (b *batcher) predict(ctx context.Context, rows int, in, out [][]float32) error {
	j := &job{ctx: ctx, rows: rows, in: in, out: out, err: make(chan error, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.observe(rows)
		return b.p.PredictInto(ctx, rows, in, out)
	}
	b.queue <- j
	b.mu.Unlock()
	select {
	case err := <-j.err:
		return err
	case <-ctx.Done():
		// The batch may still compute this job's rows; its buffers are
		// the job's own, so nothing else sees them.
		return ctx.Err()
	}
}

// stop ends the loop once the queued jobs are done.
func (b *batcher) stop() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	<-b.done
}

func (b *batcher) loop() {
	defer close(b.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var carry *job
	for {
		first := carry
		carry = nil
		if first == nil {
			var ok bool
			if first, ok = <-b.queue; !ok {
				return
			}
		}
		batch := []*job{first}
		rows := first.rows
		timer.Reset(b.delay)
	gather:
		for rows < b.maxRows {
			select {
			case j, ok := <-b.queue:
				if !ok {
					break gather
				}
				if rows+j.rows > b.maxRows {
					carry = j
					break gather
				}
				batch = append(batch, j)
				rows += j.rows
			case <-timer.C:
				break gather
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		b.slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-b.slots }()
			b.run(batch)
		})
	}
}

// run computes a batch and hands each job its rows.
func (b *batcher) run(batch []*job) {
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err <- err
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		j := live[0]
		b.observe(j.rows)
		j.err <- b.p.PredictInto(j.ctx, j.rows, j.in, j.out)
		return
	}
	rows := 0
	for _, j := range live {
		rows += j.rows
	}
	nin, nout := len(live[0].in), len(live[0].out)
	in := make([][]float32, nin)
	for i := range in {
		n := 0
		for _, j := range live {
			n += len(j.in[i])
		}
		in[i] = make([]float32, 0, n)
		for _, j := range live {
			in[i] = append(in[i], j.in[i]...)
		}
	}
	out := make([][]float32, nout)
	for i := range out {
		n := 0
		for _, j := range live {
			n += len(j.out[i])
		}
		out[i] = make([]float32, n)
	}
	b.observe(rows)
	// One request's cancellation must not cancel the others': the merged
	// batch runs to its end.
	err := b.p.PredictInto(context.Background(), rows, in, out)
	off := make([]int, nout)
	for _, j := range live {
		if err == nil {
			for i := range out {
				off[i] += copy(j.out[i], out[i][off[i]:off[i]+len(j.out[i])])
			}
		}
		j.err <- err
	}
}
